/* The app: its main process, started once CONFIG arrived, and the reaping
 * of every child (PID 1 inherits orphans). */
#ifndef LTTLE_APP_H
#define LTTLE_APP_H

void app_init(void);  /* SIGCHLD through a signalfd; before any fork */
void app_start(void); /* STARTED, or EXITED with why it could not start */
int app_running(void);
void app_signal(int sig); /* to the app's main process, if it runs */
void app_watch(void);     /* loop hook: child exits */

#endif
