/*
 * lttle_pg: PostgreSQL's side of lttle flash mode.
 *
 * - A background worker tells the guest agent "ready" (byte R on
 *   /run/lttle/flash.sock) once the server that serves clients accepts
 *   connections; the host then snapshots and suspends the VM.
 * - Every statement holds a flash lock while it runs (L before, U after) so
 *   the VM is never suspended in the middle of a query.
 *
 * Load it with shared_preload_libraries = 'lttle_pg'. Without the agent (any
 * machine that is not an lttle VM) PostgreSQL runs normally.
 */
#include "postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/utility.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

#define LTTLE_FLASH_SOCK "/run/lttle/flash.sock"

void		_PG_init(void);
PGDLLEXPORT void lttle_pg_ready_main(Datum arg);

static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Per backend: the agent connection (opened on first use). */
static int	flash_fd = -1;
static bool flash_warned = false;
/* Statements nest (functions, EXPLAIN ANALYZE, utility running queries): only
 * the outermost one takes the lock. */
static int	lock_depth = 0;
static bool lock_held = false;

static bool
flash_connect(void)
{
	struct sockaddr_un addr;
	int			fd;

	if (flash_fd >= 0)
		return true;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, LTTLE_FLASH_SOCK, sizeof(LTTLE_FLASH_SOCK));
	if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
	{
		int			saved = errno;

		close(fd);
		errno = saved;
		goto fail;
	}
	flash_fd = fd;
	return true;

fail:
	/* Not an lttle VM, or the agent is gone: say so once, then keep quiet. */
	if (!flash_warned)
	{
		flash_warned = true;
		ereport(LOG,
				(errmsg("lttle_pg: flash agent not reachable at %s: %m; running without flash locks",
						LTTLE_FLASH_SOCK)));
	}
	return false;
}

static bool
flash_send(char cmd)
{
	ssize_t		n;

	if (!flash_connect())
		return false;
	do
		n = send(flash_fd, &cmd, 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		return true;
	/* The agent closed the connection; it released our locks with it. */
	close(flash_fd);
	flash_fd = -1;
	return false;
}

static void
lock_enter(void)
{
	if (lock_depth++ == 0)
		lock_held = flash_send('L');
}

static void
lock_leave(void)
{
	if (--lock_depth == 0 && lock_held)
	{
		lock_held = false;
		flash_send('U');
	}
}

static void
lttle_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction,
				  uint64 count, bool execute_once)
{
	lock_enter();
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		lock_leave();
	}
	PG_END_TRY();
}

static void
lttle_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	lock_enter();
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		lock_leave();
	}
	PG_END_TRY();
}

void
lttle_pg_ready_main(Datum arg)
{
	const char *listen;

	(void) arg;
	BackgroundWorkerUnblockSignals();
	ereport(LOG, (errmsg("lttle_pg: flash ready worker")));

	/*
	 * An entrypoint's temporary server (initdb, creating the database) runs
	 * with listen_addresses = '': clients cannot reach it, and a snapshot of
	 * it would be resumed into a server that is about to be stopped.
	 */
	listen = GetConfigOption("listen_addresses", true, false);
	if (listen == NULL || listen[0] == '\0')
	{
		ereport(LOG,
				(errmsg("lttle_pg: server has no TCP listener, not signalling flash ready")));
		proc_exit(0);
	}

	if (flash_send('R'))
		ereport(LOG, (errmsg("lttle_pg: flash ready signalled")));
	proc_exit(0);
}

void
_PG_init(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress)
		return;

	ereport(LOG, (errmsg("lttle_pg: init")));

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "lttle_pg");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "lttle_pg_ready_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "lttle_pg flash ready");
	snprintf(worker.bgw_type, BGW_MAXLEN, "lttle_pg flash ready");
	RegisterBackgroundWorker(&worker);

	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = lttle_ExecutorRun;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = lttle_ProcessUtility;
}
