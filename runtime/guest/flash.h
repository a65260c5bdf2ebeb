/* Flash mode inside the guest: the lock socket, the manual trigger and the
 * listen strategies (PROTOCOL.md). */
#ifndef LTTLE_FLASH_H
#define LTTLE_FLASH_H

void flash_init(void);                     /* the lock socket, once /run exists */
void flash_configure(const char *strategy); /* CONFIG's flash record */
void flash_app_started(void);
void flash_watch(void); /* loop hook: the lock socket and its connections */
void flash_tick(void);  /* loop hook: the listen strategies */

#endif
