"""The service's routes, an APIRouter a module; `service.app.create_app` includes them."""
