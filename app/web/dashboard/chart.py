"""Geometry of the 24-hour chart; the template draws it as SVG and Jinja escapes every label."""
from __future__ import annotations

from dataclasses import dataclass

from app import times
from app.web.dashboard.queries import HOUR, HourBucket

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass
class Tick:
    x: float
    y: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    done_points: str
    backlog_points: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int
    plot_bottom: int
    plot_right: int
    timezone: str


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= step:
            return step
    return ((value // 100000) + 1) * 100000


def build(buckets: list[HourBucket], timezone: str = "UTC") -> Chart:
    """Intake as bars, throughput and backlog as lines; each hour labelled by its end, in the given zone."""
    zone = times.zone(timezone)
    n = max(len(buckets), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top = _nice_max(max([1] + [max(b.intake, b.done, b.backlog) for b in buckets]))
    step = plot_w / n

    def y(value: int) -> float:
        return round(TOP + plot_h - plot_h * value / top, 1)

    bars, done, backlog, x_ticks = [], [], [], []
    for i, b in enumerate(buckets):
        x = LEFT + i * step
        label = times.when(b.start + HOUR, zone, "time")  # the hour that ended then, "10:00 CET"
        bars.append(Bar(round(x + step * 0.15, 1), y(b.intake), round(step * 0.7, 1), round(TOP + plot_h - y(b.intake), 1),
                        f"hour to {label}: {b.intake} received, {b.done} done, backlog {b.backlog}"))
        mid = round(x + step / 2, 1)
        done.append(f"{mid},{y(b.done)}")
        backlog.append(f"{mid},{y(b.backlog)}")
        if i % 3 == 0:
            x_ticks.append(Tick(mid, HEIGHT - 8, label))
    y_ticks = [Tick(LEFT - 6, y(v) + 4, str(v)) for v in (0, top // 2, top)]
    return Chart(WIDTH, HEIGHT, bars, " ".join(done), " ".join(backlog), x_ticks, y_ticks,
                 LEFT, TOP + plot_h, WIDTH - RIGHT, timezone)
