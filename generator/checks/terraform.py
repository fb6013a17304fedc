"""Terraform checks (issue 3) register here."""
