/* One exec session, shared by exec.c (lifecycle, frames) and exec_io.c (its
 * stdin/stdout/stderr streams and their credit). */
#ifndef LTTLE_EXEC_SESSION_H
#define LTTLE_EXEC_SESSION_H

#include "util.h"

#define INITIAL_CREDIT (256u * 1024)

struct session {
    struct session *next;
    uint32_t chan;
    pid_t pid;
    int tty;
    int in_fd;           /* stdin pipe, or the pty master; -1 when closed */
    int out_fd, err_fd;  /* -1 once at EOF; with a tty out_fd is the master */
    struct buf in;       /* stdin not yet written */
    size_t in_written;   /* stdin written since the last EXEC_STDIN_CREDIT */
    int eof_pending;     /* EXEC_EOF received: close stdin once `in` drains */
    uint64_t credit;
    int exited, status;
    int done;            /* EXEC_EXIT sent; freed at the end of the loop turn */
};

/* exec_io.c */
void close_fd(int *fd);
void session_close_io(struct session *s);
void session_stdin(struct session *s, const char *p, size_t n); /* EXEC_STDIN */
void session_eof(struct session *s);                          /* EXEC_EOF */
/* Registers this turn's fds; reading: the control channel has room. */
void session_watch(struct session *s, int reading);
/* Output the process wrote is still waiting in its pipes. */
int session_output_pending(const struct session *s);

#endif
