"""The bundled demo web app."""
