"""The HTTP API's routes, one ``APIRouter`` per resource: scoring, labels (and sides), retrain,
queue, status (model, health, metrics) and pages (the web page, the API docs). What they share
(the app's settings, model holder and disputes, the token check, request checks) is in ``common``."""
