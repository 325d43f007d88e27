"""How much of the order form's cost is the form itself: the ceiling on form/bare throughput.

Measured in one run, in this process, through Flask's test client on the same SQLite file (or PostgreSQL
with --pg), each request posting the same 17 fields as form_throughput.py:

  bare      bench/bare_app.py: one INSERT and a commit per POST (the baseline of form_throughput.py)
  empty     Partdesk's app, a route that does nothing (the app's hooks: session, CSP headers)
  login     + @login_required (Flask-Login loads the staff member from the database)
  form      + the phone-order form: CSRF check and WTForms validation of the lines, plate, VIN,
            workshop (which reads the workshop) and branch, no write
  order     the real POST /orders/new: all of the above plus the order saved under the branch lock

`form` is the least the order form can cost with the stack the brief sets (Flask-WTF, Flask-Login,
SQLAlchemy) before a single row is written, so bare/form is the highest ratio any saving in the
write can reach.

Target: the saved order costs at most twice the validated form that writes nothing (order/form time,
--target-ratio 2): the write under the branch lock (counts, reference, order, lines, audit event,
commit) must not cost more than the whole stack before it. Exits 1 when it is missed.

    .venv/bin/python bench/form_floor.py [--requests 400] [--pg] [--target-ratio 2]
    .venv/bin/python bench/form_floor.py --http [--clients 20] [--seconds 8] [--pg]   # gunicorn + wrk, as form_http.py
"""
from __future__ import annotations

import argparse
import time

from common import csrf_from, login, pg_url
from form_throughput import bare_app, order_form, setup_partdesk


def add_floor_routes(app) -> None:
    from flask_login import login_required

    from app.web.queue import routes as queue_routes
    from app.web.queue.forms import PhoneOrderForm

    @app.post("/floor/empty")
    def floor_empty():
        return "", 201

    @app.post("/floor/login")
    @login_required
    def floor_login():
        return "", 201

    @app.post("/floor/form")
    @login_required
    def floor_form():
        form = PhoneOrderForm()
        queue_routes._branch_choices(form)
        if not form.validate_on_submit():
            return str(form.errors), 422
        form.order_input("phone")
        return "", 201


def create_floor_app():
    """For gunicorn (--http): Partdesk with the floor routes, on DATABASE_URL."""
    import os

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})
    add_floor_routes(app)
    return app


def verdict(order_over_form: float, target: float) -> int:
    ok = order_over_form <= target
    print(f"the saved order / the validated form without a write: {order_over_form:.2f}x "
          f"(target <= {target:g}x): " + ("PASS" if ok else "MISS"))
    return 0 if ok else 1


def run_http(url: str | None, clients: int, seconds: int, workers: int = 4, threads: int = 2,
             target: float = 2.0) -> int:
    """The same steps over HTTP: gunicorn and wrk, like form_http.py."""
    import form_http

    _app, url, form = form_http.setup_for_http(url)
    partdesk, p_port = form_http.start("form_floor:create_floor_app()", url, workers, threads)
    bare_proc, b_port = form_http.start("bare_app:create_bare()", url, workers, threads)
    results: dict[str, list[float]] = {}
    try:
        cookie, body = form_http.session_for(p_port, form)
        steps = {"bare": (b_port, "/bare", "text=Bremseklosser+foran", ""), "login": (p_port, "/floor/login", body, cookie),
                 "form": (p_port, "/floor/form", body, cookie), "order": (p_port, "/orders/new", body, cookie)}
        for _ in range(2):  # alternate, so drift hits all alike
            for name, (port, path, data, jar) in steps.items():
                outcome = form_http.wrk(port, path, data, jar, clients, seconds)
                assert outcome["errors"] == 0 and outcome["non2xx3xx"] == 0, (name, outcome)
                results.setdefault(name, []).append(outcome["rps"])
    finally:
        for proc in (partdesk, bare_proc):
            proc.terminate()
            proc.wait()
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; over HTTP: gunicorn {workers} workers x {threads} threads; wrk {clients} clients, 2 x {seconds} s each")
    rps = {name: sum(v) / len(v) for name, v in results.items()}
    for name, value in rps.items():
        print(f"{name:6} {value:8.1f} req/s  ratio to bare {value / rps['bare']:.2f}")
    print(f"ceiling of form/bare with a free write: {rps['form'] / rps['bare']:.2f} (the retired bar was >= 0.50)")
    return verdict(rps["form"] / rps["order"], target)


def run(n: int, url: str | None, target: float = 2.0) -> int:
    app, url, (branch_id, workshop_id) = setup_partdesk(url)
    add_floor_routes(app)
    client = app.test_client()
    login(client, "kari", "bench-pass-1")
    token = csrf_from(client.get("/orders/new").get_data(as_text=True))
    form = order_form(branch_id, workshop_id, csrf_token=token, contact_name="Per")
    bare = bare_app(url).test_client()
    steps = {
        "bare": (lambda: bare.post("/bare", data={"text": "Bremseklosser foran"}), 201),
        "empty": (lambda: client.post("/floor/empty", data=form), 201),
        "login": (lambda: client.post("/floor/login", data=form), 201),
        "form": (lambda: client.post("/floor/form", data=form), 201),
        "order": (lambda: client.post("/orders/new", data=form), 302),
    }
    for name, (call, status) in steps.items():  # warm up, and check each answers as it should
        for _ in range(20):
            response = call()
            assert response.status_code == status, (name, response.status_code, response.get_data(as_text=True)[:500])
    spent = dict.fromkeys(steps, 0.0)
    rounds, per_round = 4, max(1, n // 4)
    for _ in range(rounds):  # interleaved, so background noise hits all alike
        for name, (call, _status) in steps.items():
            start = time.perf_counter()
            for _ in range(per_round):
                call()
            spent[name] += time.perf_counter() - start
    total = rounds * per_round
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; requests: {total} each")
    for name in steps:
        rps = total / spent[name]
        print(f"{name:6} {rps:8.1f} req/s  {1000 * spent[name] / total:6.2f} ms each  "
              f"ratio to bare {spent['bare'] / spent[name]:.2f}")
    print(f"ceiling of form/bare with a free write: {spent['bare'] / spent['form']:.2f} (the retired bar was >= 0.50)")
    return verdict(spent["order"] / spent["form"], target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--pg", action="store_true", help="use BENCH_DATABASE_URL / TEST_DATABASE_URL")
    parser.add_argument("--http", action="store_true", help="over HTTP with gunicorn and wrk")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target-ratio", type=float, default=2.0, help="order / form-without-write time, at most")
    args = parser.parse_args()
    if args.http:
        raise SystemExit(run_http(pg_url() if args.pg else None, args.clients, args.seconds, args.workers,
                                  args.threads, args.target_ratio))
    raise SystemExit(run(args.requests, pg_url() if args.pg else None, args.target_ratio))
