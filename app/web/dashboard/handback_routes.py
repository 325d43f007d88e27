"""Hand-back pages: export to the ERP, imports (workshops, catalogue) and the end-of-outage report."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.handback import export, formats, report
from app.handback.catalogue import decode, import_catalogue
from app.locales import N_
from app.models import AuditEvent, Branch, ExportBatch, Staff
from app.orders import lifecycle
from app.orders.unit_of_work import UnitOfWork, run
from app.orders.workshops import import_workshops
from app.web.access import manager_required
from app.web.dashboard.forms import ConfirmImportForm, ExportFormatForm, ExportForm, UploadForm

bp = Blueprint("handback", __name__)

KINDS = {"workshops": N_("workshops"), "catalogue": N_("parts catalogue")}


def _now() -> datetime:
    return datetime.now(UTC)


def chosen_format(staff: Staff) -> formats.Format:
    """The format this person chose on the export page; until they choose, the one their branch's
    language opens in columns (for someone of no branch, the language most branches have)."""
    if staff.export_format in formats.FORMATS:
        return formats.FORMATS[staff.export_format]
    language = staff.branch.language if staff.branch else db.session.scalar(
        select(Branch.language).group_by(Branch.language).order_by(func.count().desc(), Branch.language).limit(1))
    return formats.for_language(language)


def _format_form(**kwargs) -> ExportFormatForm:
    return ExportFormatForm(choices=[(f.key, _(f.label)) for f in formats.FORMATS.values()], **kwargs)


@bp.route("/export", methods=["GET", "POST"])
@manager_required
def export_page():
    form = ExportForm()
    if form.validate_on_submit():
        batch = run(lambda uow: export.create_batch(by=current_user, now=_now()))
        if batch is None:
            flash(_("Nothing to export: no order is new or changed since the last batch."), "info")
        else:
            flash(_("Batch %(id)s: %(orders)d order(s), %(lines)d line(s).", id=batch.id, orders=batch.order_count,
                    lines=batch.line_count), "success")
        return redirect(url_for(".export_page"))
    chosen = chosen_format(current_user)
    return render_template("dashboard/export.html", form=form, pending=export.pending_count(),
                           batches=export.batches(), chosen=chosen,
                           format_form=_format_form(formdata=None, export_format=chosen.key))


@bp.route("/export/format", methods=["POST"])
@manager_required
def export_format():
    form = _format_form()
    if not form.validate_on_submit():
        flash(_("Choose one of the formats listed."), "error")
        return redirect(url_for(".export_page"))
    key, staff_id = form.export_format.data, current_user.id

    def remember(uow) -> None:
        uow.session.get(Staff, staff_id).export_format = key

    run(remember)
    flash(_("Batches download as %(format)s from now on.", format=_(formats.FORMATS[key].label)), "success")
    return redirect(url_for(".export_page"))


@bp.route("/export/<int:batch_id>.<kind>")
@manager_required
def export_download(batch_id: int, kind: str):
    """The batch's CSV (the ERP's file, with its checksum), JSON lines, or the spreadsheet formats
    (`?format=csv_semicolon` for the CSV with semicolons, `.xlsx` for a workbook)."""
    if kind not in ("csv", "jsonl", "xlsx"):
        abort(404)
    batch = db.session.get(ExportBatch, batch_id)
    if batch is None:
        abort(404, description=_("There is no export batch %(id)s.", id=batch_id))
    if kind != "jsonl":
        fmt = formats.XLSX if kind == "xlsx" else formats.FORMATS.get(request.args.get("format", "csv"))
        if fmt is None or (kind == "csv" and fmt is formats.XLSX):
            abort(404, description=_("There is no such CSV format."))
        return _download(batch, fmt)
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/ mimetype once more
    return Response(batch.jsonl, content_type="application/x-ndjson; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(batch, kind)}"',
        "X-Checksum-SHA256": hashlib.sha256(batch.jsonl).hexdigest(),
    })


def _download(batch: ExportBatch, fmt: formats.Format) -> Response:
    data = formats.render(batch.csv, fmt, created=batch.created_at)
    name = export.filename(batch, "csv").removesuffix(".csv") + fmt.suffix
    return Response(data, content_type=fmt.content_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Checksum-SHA256": batch.checksum if fmt is formats.ERP_CSV else hashlib.sha256(data).hexdigest(),
    })


def _upload_dir() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_import(kind: str, text: str, *, dry_run: bool):
    if kind == "workshops":
        return import_workshops(text, dry_run=dry_run)
    return import_catalogue(text, now=_now(), dry_run=dry_run)


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_page():
    """Upload shows a preview (nothing written); the file waits on the server under its sha256."""
    form = UploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        text = decode(raw)
        key = hashlib.sha256(raw).hexdigest()
        (_upload_dir() / f"{key}.csv").write_bytes(raw)
        with UnitOfWork():  # the preview writes each row; leaving without a commit rolls them back
            result = _run_import(form.kind.data, text, dry_run=True)
        confirm = ConfirmImportForm(kind=form.kind.data, key=key)
        return render_template("dashboard/import_preview.html", result=result, confirm=confirm,
                               kind=_(KINDS[form.kind.data]), filename=form.file.data.filename)
    return render_template("dashboard/import.html", form=form), 400 if form.errors else 200


@bp.route("/import/confirm", methods=["POST"])
@manager_required
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400, description=_("The import form was not complete; upload the file again."))
    path = _upload_dir() / f"{form.key.data}.csv"
    if not path.exists():
        flash(_("That upload is no longer on the server; upload the file again."), "error")
        return redirect(url_for(".import_page"))
    now = _now()
    text = decode(path.read_bytes())

    def imported(uow) -> str:
        result = _run_import(form.kind.data, text, dry_run=False)
        summary = (f"{KINDS[form.kind.data]}: {result.created} created, {result.updated} updated, "
                   f"{result.unchanged} unchanged, {len(result.errors)} row(s) skipped")
        uow.session.add(AuditEvent(at=now, actor_id=current_user.id, actor_label=lifecycle.actor_label(current_user),
                                   action=f"import_{form.kind.data}",
                                   detail=f"{summary} (sha256 {form.key.data[:12]})"))
        return result

    result = run(imported)
    path.unlink(missing_ok=True)
    flash(_("Imported %(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(skipped)d row(s) skipped.", kind=_(KINDS[form.kind.data]), created=result.created,
            updated=result.updated, unchanged=result.unchanged, skipped=len(result.errors)), "success")
    return redirect(url_for(".import_page"))


@bp.route("/report")
@manager_required
def report_page():
    reports = report.build()
    return render_template("dashboard/report.html", reports=reports, now=_now(), minutes=report.minutes,
                           statuses=[s for s in report.STATUSES])


@bp.route("/report.csv")
@manager_required
def report_csv():
    data = report.as_csv(report.build())
    stamp = _now().strftime("%Y%m%d")
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="partdesk-outage-report-{stamp}.csv"'})

