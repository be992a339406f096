"""The claims, one module per mathematical topic; `proofs.registry` collects them in order."""
