"""The OpenAPI document describes every route with the schemas' models and the error body."""

from __future__ import annotations


def test_openapi_lists_routes_and_models(api):
    spec = api.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/healthz", "/readyz", "/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result",
                                  "/v1/jobs/{job_id}/images/{index}", "/v1/ask", "/v1/models", "/v1/plugin-jobs"}
    schemas = spec["components"]["schemas"]
    assert {"JobStatus", "Document", "Page", "Block", "ErrorBody", "Answer", "PluginListing", "PluginResult"} <= set(schemas)
    submit = spec["paths"]["/v1/jobs"]["post"]
    assert submit["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/JobStatus")
    for status in ("413", "415", "422"):
        assert submit["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    result = spec["paths"]["/v1/jobs/{job_id}/result"]["get"]["responses"]["200"]["content"]
    assert set(result) == {"application/json", "text/markdown"}
    refs = {alt["$ref"].rsplit("/", 1)[1] for alt in result["application/json"]["schema"]["anyOf"]}
    assert refs == {"Document", "Answer", "PluginResult"}
    image = spec["paths"]["/v1/jobs/{job_id}/images/{index}"]["get"]["responses"]
    assert set(image["200"]["content"]) == {"image/png"} and {"404", "409", "422"} <= set(image)
    assert {"APIKeyHeader", "HTTPBearer"} <= set(spec["components"]["securitySchemes"])


def test_upload_form_fields_are_documented(api):
    spec = api.get("/openapi.json").json()
    form = spec["components"]["schemas"]["Body_submit_job_v1_jobs_post"]["properties"]
    # the queued conversion's options and every installed engine's options are form fields, derived from
    # ConvertOptions and the engines' options classes (tests/api/test_option_surfaces.py checks the parity)
    generic = {"file", "pages", "engine", "password", "batch_size", "recompute", "keep_furniture", "describe_figures"}
    assert generic <= set(form)
    assert {"ocr_dpi", "nougat_model", "donut_model", "donut_task"} <= set(form)
    dpi = form["ocr_dpi"]["anyOf"][0]
    assert (dpi["type"], dpi["minimum"], dpi["maximum"]) == ("integer", 50, 600)
    assert form["donut_task"]["description"] == "Donut task for --engine donut"
    assert form["describe_figures"]["description"].startswith("FAMILY:CHECKPOINT of a plugin model")
    ask = spec["components"]["schemas"]["Body_ask_v1_ask_post"]
    assert set(ask["required"]) == {"file", "question", "model"}
    assert {"task", "pages", "dpi", "max_length", "batch_size"} <= set(ask["properties"])


def test_swagger_ui_is_served(api):
    response = api.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
