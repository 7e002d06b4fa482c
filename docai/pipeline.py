"""The conversion flow: ingest → route → engines (through the page cache) → assemble.

The queue workers call the same stage functions (:func:`route_pages`, :func:`run_pages`,
:func:`finish_document`) on their own slices of a document, so results are identical either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from docai.assemble import assemble_document
from docai.budget import checked_page, page_budget
from docai.cache import PageCache, cache_key
from docai.describe import describe_figures
from docai.engines import engine_specs, get_engine
from docai.engines.base import Engine, EngineOutput
from docai.errors import DocaiError
from docai.ingest.source import PageContext, Source, SourceDocument, open_source
from docai.options import ConvertOptions
from docai.route import route_page
from schemas.document import Document, Page, PageError, RegionRoute, Route

#: called as progress(pages_done, pages_total) after each batch
ProgressCallback = Callable[[int, int], None]


def make_options(options: ConvertOptions | None = None, **overrides) -> ConvertOptions:
    """ConvertOptions from an instance and/or keyword overrides (validated)."""
    if options is None:
        return ConvertOptions(**overrides)
    return ConvertOptions.model_validate({**options.model_dump(), **overrides}) if overrides else options


def convert(source: Source, options: ConvertOptions | None = None, *,
            progress: ProgressCallback | None = None, **overrides) -> Document:
    """Convert a PDF or image (path, bytes or binary stream) into a :class:`schemas.Document`.

    Keyword options are those of :class:`docai.options.ConvertOptions`, e.g.
    ``convert("paper.pdf", pages="1-3", engine="text")``. Raises a :class:`docai.errors.DocaiError`
    for input that cannot be converted at all (a document over its content limits included); a page
    that fails is marked in its ``errors`` instead.
    """
    opts = make_options(options, **overrides)
    start = time.perf_counter()
    with open_source(source, password=opts.password, pages=opts.pages, limits=opts.limits) as src:
        src.check_cost()
        routes = route_pages(src.pages(), opts)
        pages = run_pages(routes, opts, progress=progress)
        return finish_document(src, pages, opts, total_s=time.perf_counter() - start)


def route_pages(contexts: Sequence[PageContext], options: ConvertOptions) -> list[tuple[PageContext, Route, str]]:
    """Classify every page within its time budget; a page over a content limit, out of time or whose
    text layer cannot even be read is routed to ``failed`` (the error kept in ``ctx.failure``)."""
    routed = []
    for ctx in contexts:
        try:
            with checked_page(ctx, options.limits.page_timeout_s):
                route, reason = route_page(ctx, options)
        except DocaiError as exc:
            ctx.failure = exc
            route, reason = Route.failed, str(exc)
        except Exception as exc:  # noqa: BLE001 - one unreadable page must not lose the others
            route, reason = Route.failed, f"page could not be read: {exc}"
        routed.append((ctx, route, reason))
    return routed


def run_pages(routed: Sequence[tuple[PageContext, Route, str]], options: ConvertOptions, *,
              progress: ProgressCallback | None = None, cache: PageCache | None = None) -> list[Page]:
    """Run each page through its route's engine (cached), returning Pages in input order."""
    if cache is None and options.use_cache:
        cache = PageCache(options.cache_dir)
    total = len(routed)
    done = 0
    outputs: dict[int, tuple[EngineOutput, bool, str, str]] = {}
    by_route: dict[Route, list[int]] = {}
    for i, (_ctx, route, _reason) in enumerate(routed):
        by_route.setdefault(route, []).append(i)
    for route, indices in by_route.items():
        if route == Route.failed:
            for i in indices:
                failure = routed[i][0].failure
                code = failure.code if failure is not None else "unreadable_page"
                outputs[i] = (EngineOutput(errors=[PageError(code=code, message=routed[i][2])]), False, "", "")
            done += len(indices)
            if progress:
                progress(done, total)
            continue
        try:
            engine = get_engine(str(route), options)
        except DocaiError as exc:
            if _engine_was_asked_for(route, options):
                raise  # a forced engine or a configured model that cannot load fails the whole run loudly
            for i in indices:
                outputs[i] = (EngineOutput(errors=[PageError(code=exc.code, message=str(exc))]), False, str(route), "")
            done += len(indices)
            if progress:
                progress(done, total)
            continue
        for i, out, cached in _run_engine(engine, [routed[i][0] for i in indices], indices, options, cache):
            outputs[i] = (out, cached, engine.name, engine.version)
            done += 1
            if progress:
                progress(done, total)
    pages = []
    for i, (ctx, route, reason) in enumerate(routed):
        out, cached, engine_name, engine_version = outputs[i]
        page_route = Route.failed if out.errors and not out.blocks and not out.data else route
        width, height = _safe(lambda c=ctx: c.width), _safe(lambda c=ctx: c.height)
        # the whole page first (its route), then the parts the engine read another way
        regions = [RegionRoute(bbox=(0.0, 0.0, width, height), route=page_route, reason=reason), *out.regions]
        pages.append(Page(
            number=ctx.number, width=width, height=height, regions=regions,
            route=page_route, route_reason="; ".join(x for x in (reason, out.note) if x),
            engine=engine_name, engine_version=engine_version, blocks=list(out.blocks), data=out.data,
            set_aside=list(out.set_aside),
            errors=list(out.errors), timings=dict(out.timings), cached=cached,
        ))
    return pages


def _engine_was_asked_for(route: Route, options: ConvertOptions) -> bool:
    """True where the user named this engine (``--engine``) or configured its model: then an engine that
    cannot be created is the user's error for the whole run, not a per-page problem."""
    if options.engine == route:
        return True
    spec = engine_specs().get(str(route))
    return bool(spec and spec.requires)


def _safe(get: Callable[[], float]) -> float:
    try:
        return get()
    except Exception:  # noqa: BLE001
        return 0.0


def _run_engine(engine: Engine, contexts: list[PageContext], indices: list[int], options: ConvertOptions,
                cache: PageCache | None):
    """Yield (index, output, cached) per page: cache hits first, then the misses in batches.

    A page is looked up and stored only when it has a fingerprint and mupdf read it without complaint.
    """
    keys: dict[int, str | None] = {}
    misses: list[tuple[int, PageContext]] = []
    for i, ctx in zip(indices, contexts, strict=True):
        try:
            keys[i] = _page_key(ctx, engine, options) if cache is not None else None
        except DocaiError as exc:  # out of time while hashing: the page is over its budget
            yield i, EngineOutput(errors=[PageError(code=exc.code, message=str(exc))]), False
            continue
        hit = cache.get(keys[i]) if (cache is not None and keys[i] and not options.recompute) else None
        if hit is not None:
            yield i, hit, True
        else:
            misses.append((i, ctx))
    batch_size = max(1, options.batch_size or getattr(engine, "batch_size", 1))
    for start in range(0, len(misses), batch_size):
        batch = misses[start:start + batch_size]
        for (i, ctx), out in zip(batch, _process_batch(engine, [c for _, c in batch], options), strict=True):
            if cache is not None and keys[i] and not out.errors and not ctx.read_problems:
                cache.put(keys[i], out)
            yield i, out, False


def _page_key(ctx: PageContext, engine: Engine, options: ConvertOptions) -> str | None:
    """The page's cache key (hashed within its time budget), or ``None`` when it must not be cached."""
    if ctx.read_problems:
        return None
    with page_budget([ctx], options.limits.page_timeout_s, f"page {ctx.number}"):
        fingerprint = ctx.fingerprint
    if fingerprint is None or ctx.read_problems:
        return None
    return cache_key(fingerprint, engine.name, engine.version, engine.cache_options())


def _process_batch(engine: Engine, batch: list[PageContext], options: ConvertOptions) -> list[EngineOutput]:
    """Process a batch; if it fails, process its pages one by one so only the bad page is lost.

    The batch runs within what is left of its pages' budgets; when it fails, each page is retried with
    the budget it had before the batch.
    """
    budget = options.limits.page_timeout_s
    start = time.perf_counter()
    if len(batch) > 1:
        try:
            with page_budget(batch, budget, f"a batch of {len(batch)} pages", charge=False):
                outs = engine.process(batch)
            _record_time(outs, (time.perf_counter() - start) / len(batch))
            return outs
        except Exception:  # noqa: BLE001 - retried page by page below (a stopped run fails each page there)
            pass
    results = []
    for ctx in batch:
        start = time.perf_counter()
        try:
            with page_budget([ctx], budget, f"page {ctx.number}"):
                (out,) = engine.process([ctx])
        except DocaiError as exc:
            out = EngineOutput(errors=[PageError(code=exc.code, message=str(exc))])
        except Exception as exc:  # noqa: BLE001
            out = EngineOutput(errors=[PageError(code="engine_error", message=f"{engine.name} engine failed: {exc}")])
        _record_time([out], time.perf_counter() - start)
        results.append(out)
    return results


def _record_time(outs: list[EngineOutput], seconds: float) -> None:
    for out in outs:
        out.timings.setdefault("engine_s", round(seconds, 4))


def describe_pages(src: SourceDocument, pages: list[Page], options: ConvertOptions, *, model_id: str | None = None,
                   cache_dir: str | None = None) -> None:
    """Caption the figure blocks of ``pages`` with ``options.describe_figures`` (``model_id``: the same model
    where this process loads it from; ``cache_dir``: where captions are cached, default the options')."""
    if options.describe_figures:
        describe_figures(src.pages(), pages, model_id or options.describe_figures,
                         cache_dir=cache_dir or options.cache_dir,
                         read_cache=options.use_cache and not options.recompute, write_cache=options.use_cache)


def finish_document(src: SourceDocument, pages: list[Page], options: ConvertOptions, *,
                    total_s: float | None = None, describe: bool = True) -> Document:
    """Assemble the Document for ``src`` from its processed pages (captioning figures first when asked and
    ``describe``; a queued job describes them in a step of its own, on the gpu queue)."""
    if describe:
        describe_pages(src, pages, options)
    return assemble_document(
        pages, source=src.name, sha256=src.sha256, mime_type=src.mime_type, page_count=src.page_count,
        metadata=src.metadata, options=public_options(options), keep_furniture=options.keep_furniture,
        timings={"total_s": round(total_s, 4)} if total_s is not None else {},
    )


def public_options(options: ConvertOptions) -> dict:
    """The options recorded in a Document (never the password or local paths of the cache)."""
    return options.model_dump(mode="json", exclude={"password", "cache_dir", "use_cache", "recompute"})
