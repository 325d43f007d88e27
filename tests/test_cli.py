from app.models import Branch, Order, Staff, Workshop


def test_create_branch_and_staff(runner, db):
    result = runner.invoke(args=["create-branch", "osl", "Oslo Alnabru", "--phone", "21 00 00 00",
                                 "--backup-name", "Delepartner", "--backup-phone", "+47 22 99 99 99",
                                 "--staff-numbers", "21 00 00 01, +47 912 34 567"])
    assert result.exit_code == 0, result.output
    branch = db.session.query(Branch).one()
    assert (branch.code, branch.phone_number, branch.backup_phone) == ("OSL", "+4721000000", "+4722999999")
    assert branch.staff_numbers == "+4721000001,+4791234567"
    result = runner.invoke(args=["create-staff", "kari", "--name", "Kari", "--branch", "OSL"],
                           input="long-enough-pw\nlong-enough-pw\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(Staff).one().check_password("long-enough-pw")


def test_create_branch_refuses_bad_input_with_a_reason(runner, db):
    result = runner.invoke(args=["create-branch", "O5L", "Oslo"])
    assert result.exit_code != 0 and "2 to 4 letters" in result.output
    result = runner.invoke(args=["create-branch", "OSL", "Oslo", "--phone", "not a number"])
    assert result.exit_code != 0 and "'not a number' is not a phone number" in result.output
    result = runner.invoke(args=["create-staff", "kari", "--name", "Kari", "--branch", "XXX", "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "No branch XXX" in result.output
    assert db.session.query(Branch).count() == 0


def test_import_workshops_reports_bad_rows_by_line_and_imports_the_rest(runner, db, tmp_path, make):
    make.branch("OSL")
    path = tmp_path / "workshops.csv"
    path.write_text(
        "Kundenr;Navn;E-post;Telefon;Avdeling\n"
        "10023;Bilverksted AS;Post@Bilverksted.example;22 33 44 55, 912 34 567;OSL\n"
        ";No number AS;x@y.example;;OSL\n"
        "10024;Hansen Auto;not-an-email;;OSL\n"
        "10025;Tønsberg Bil;;abc;OSL\n"
        "10026;Ukjent filial;;;XYZ\n"
        "10027;Fjord Motor;verksted@fjord.example;+46 70 123 45 67;\n",
        encoding="utf-8-sig")
    result = runner.invoke(args=["import-workshops", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 3: Customer number and name are required." in result.output
    assert "line 4: 'not-an-email' is not an email address." in result.output
    assert "line 5: 'abc' is not a phone number." in result.output
    assert "line 6: Unknown branch 'XYZ'." in result.output
    assert "2 created, 0 updated, 0 unchanged were imported; 4 row(s) could not be read." in result.output
    bil = db.session.query(Workshop).filter_by(customer_number="10023").one()
    assert [e.address for e in bil.emails] == ["post@bilverksted.example"]
    assert [(p.e164, p.is_mobile) for p in bil.phones] == [("+4722334455", False), ("+4791234567", True)]
    again = runner.invoke(args=["import-workshops", str(path)])
    assert "0 created, 0 updated, 2 unchanged" in again.output


def test_seed_demo_prints_logins_and_is_not_repeated(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "maria" in result.output and "demo-maria-1" in result.output
    assert db.session.query(Branch).count() == 2
    orders = db.session.query(Order).count()
    assert orders >= 5
    again = runner.invoke(args=["seed-demo"])
    assert "not added again" in again.output
    assert db.session.query(Order).count() == orders


def test_add_mailbox_imap_and_drop_folder(runner, db, make, tmp_path, monkeypatch):
    from app.models import Mailbox

    make.branch("OSL")
    result = runner.invoke(args=["intake", "add-mailbox", "osl-imap", "--branch", "osl", "--host", "imap.example",
                                 "--user", "ordre@osl.example", "--password-env", "OSL_IMAP_PASSWORD"])
    assert result.exit_code == 0, result.output
    assert "OSL_IMAP_PASSWORD is not set" in result.output
    box = db.session.query(Mailbox).filter_by(name="osl-imap").one()
    assert (box.kind, box.port, box.security, box.password_env) == ("imap", 993, "tls", "OSL_IMAP_PASSWORD")
    result = runner.invoke(args=["intake", "add-mailbox", "osl-drop", "--branch", "OSL",
                                 "--drop-folder", str(tmp_path / "drop")])
    assert result.exit_code == 0, result.output
    assert db.session.query(Mailbox).filter_by(name="osl-drop").one().path == str(tmp_path / "drop")
    bad = runner.invoke(args=["intake", "add-mailbox", "x", "--branch", "OSL", "--host", "imap.example"])
    assert bad.exit_code != 0 and "needs --user, --password-env" in bad.output
    assert runner.invoke(args=["intake", "add-mailbox", "osl-drop", "--branch", "OSL",
                               "--drop-folder", str(tmp_path)]).exit_code != 0
