"""Bytes and files: line splitting, JSON text and documents, sink manifests."""
