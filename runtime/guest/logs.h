/* The app's stdout and stderr, forwarded to the host as LOG frames. */
#ifndef LTTLE_LOGS_H
#define LTTLE_LOGS_H

void logs_attach(int out, int err); /* read ends of the app's pipes */
void logs_drain(void);  /* forward everything already written (the app exited) */
void logs_watch(void);  /* loop hook */

#endif
