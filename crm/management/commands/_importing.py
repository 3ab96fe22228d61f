"""What import_customers and import_orders share: arguments, progress, the report."""

from django.core.management.base import CommandError

from crm.imports.importers import ImportReport
from crm.imports.reading import ENCODINGS


def add_arguments(parser) -> None:
    parser.add_argument("file", help="the CSV file")
    parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    parser.add_argument(
        "--encoding", default="auto", choices=["auto", *ENCODINGS], help="default: detect"
    )
    parser.add_argument("--delimiter", choices=[",", ";"], help="default: detect")


def run(command, importer, options, **extra) -> None:
    def progress(report: ImportReport) -> None:
        command.stdout.write(f"  {report.done_rows:,} of {report.rows:,} rows written")

    try:
        stream = open(options["file"], "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from None
    with stream:
        report = importer(
            stream,
            dry_run=options["dry_run"],
            encoding=options["encoding"],
            delimiter=options["delimiter"],
            progress=progress,
            **extra,
        )
    write_report(command, report)
    if not report.ok:
        raise CommandError("Nothing was imported: correct the file and run again.")


def write_report(command, report: ImportReport) -> None:
    out = command.stdout
    out.write(f"{report.kind}: {report.rows:,} rows ({report.encoding}, '{report.delimiter}')")
    for message in report.file_errors:
        out.write(f"  file: {message}")
    if report.ignored_columns:
        out.write(f"  ignored columns: {', '.join(report.ignored_columns)}")
    verb = "would be" if report.dry_run or not report.ok else "were"
    out.write(
        f"  {report.created:,} {verb} created, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged"
    )
    if report.error_count:
        out.write(f"  {report.error_count:,} bad rows:")
        for error in report.errors:
            out.write(f"    line {error.line}, {error.column}: {error.message}")
        if report.error_count > len(report.errors):
            out.write(f"    ... and {report.error_count - len(report.errors):,} more")
