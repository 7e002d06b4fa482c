"""``docai prune``: remove old page-cache entries and old job files."""

from __future__ import annotations

from pathlib import Path

import click

from docai.cache import PageCache
from docai.prune import PruneReport, parse_duration


@click.command("prune")
@click.option("--older-than", default="30d", show_default=True,
              help="Remove what was not written or used for this long: 30d, 12h, 90m, 3600 (seconds).")
@click.option("--cache-dir", type=click.Path(path_type=Path),
              help="The in-process page cache (default: $DOCAI_CACHE_DIR or ~/.cache/docai).")
@click.option("--storage/--no-storage", default=True, show_default=True,
              help="Also prune the queue's job storage ($DOCAI_STORAGE_DIR): documents, results, its page cache.")
@click.option("--dry-run", is_flag=True, help="Only report what would be removed.")
def prune_cmd(older_than: str, cache_dir: Path | None, storage: bool, dry_run: bool) -> None:
    """Remove page-cache entries and job files not used for --older-than (default 30 days).

    Cached pages are kept young by every hit; a document resubmitted to the queue is kept young too.
    Results of jobs older than the limit are gone afterwards (`docai result` then says so).
    """
    seconds = parse_duration(older_than)
    targets: list[tuple[str, PruneReport]] = [
        ("page cache", PageCache(cache_dir).prune(seconds, dry_run=dry_run)),
    ]
    if storage:
        from docai.queue.storage import storage_for
        from docai.settings import Settings

        settings = Settings.from_env()
        if settings.storage_dir.is_dir():
            targets.append(("job storage", storage_for(settings.storage_dir).prune(seconds, dry_run=dry_run)))
            targets.append(("job page cache", PageCache(settings.cache_dir).prune(seconds, dry_run=dry_run)))
    verb = "would remove" if dry_run else "removed"
    for label, report in targets:
        click.echo(f"{label}: {verb} {report.files} files ({report.bytes / 1e6:.1f} MB)")
