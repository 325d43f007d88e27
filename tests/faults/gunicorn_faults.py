"""gunicorn config for test_web_sigkill: each worker kills itself -9 at one chosen point of an
order's write (after the INSERT of the order, of its lines, of its event, of its outbox row, or
just before COMMIT), on the nth time it gets there. Test-only: nothing in app/ knows about it."""
import os
import random
import signal

POINTS = ('INSERT INTO "order"', "INSERT INTO order_line", "INSERT INTO order_event",
          "INSERT INTO outbox_message", "COMMIT")


def post_worker_init(worker):
    if not os.environ.get("PARTDESK_FAULT_SELF_KILL"):
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    point, nth = random.choice(POINTS), random.randint(1, 4)
    seen = {"n": 0}
    worker.log.info("fault: this worker dies at %s number %d", point, nth)

    def arrive(conn):
        seen["n"] += 1
        if seen["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)

    @event.listens_for(Engine, "after_cursor_execute")
    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith('INSERT INTO "order"'):
            conn.info["order_written"] = True
        if point != "COMMIT" and statement.lstrip().startswith(point):
            arrive(conn)

    @event.listens_for(Engine, "commit")
    def before_commit(conn):
        if conn.info.pop("order_written", False) and point == "COMMIT":
            arrive(conn)
