"""SCIM 2.0 provisioning from the identity provider (RFC 7643 / 7644)."""
