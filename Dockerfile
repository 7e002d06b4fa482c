# docai: the API and the queue workers in one image (the command picks the role; see docker-compose.yml).
#
#   docker build -t docai .                                                     # CPU torch
#   docker build -t docai:gpu --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126 .
#
# Dependencies install with -c constraints.txt, so nothing can pull another torch than the pinned one.

FROM python:3.11-slim AS build

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# torch first, from the index that matches the target (CPU or a CUDA build), at the pinned version
COPY constraints.txt ./
RUN pip install --index-url "${TORCH_INDEX}" -c constraints.txt torch

COPY pyproject.toml README.md ./
COPY docai ./docai
COPY schemas ./schemas
COPY workers ./workers
COPY plugins ./plugins
RUN pip install -c constraints.txt ".[models,service]"


FROM python:3.11-slim

# libglib2.0-0 and libgomp1: OpenCV (headless) and onnxruntime of the embedded OCR engine
RUN apt-get update \
    && apt-get install -y --no-install-recommends libglib2.0-0 libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 docai \
    && mkdir -p /data && chown docai:docai /data

COPY --from=build /opt/venv /opt/venv
COPY samples /opt/docai/samples
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DOCAI_STORAGE_DIR=/data \
    DOCAI_CACHE_DIR=/data/cache \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

USER docai
WORKDIR /home/docai
VOLUME ["/data"]
EXPOSE 8000

CMD ["docai", "serve", "--host", "0.0.0.0", "--port", "8000"]
