# The usual production setting of the old stack: sync workers, 2 × cores + 1 of them.
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Access logs on, as the service logs every request (to a file the benchmark ignores).
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
loglevel = "warning"
