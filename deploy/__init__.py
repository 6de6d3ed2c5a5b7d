"""The reference deployment's files, and deploy.loopback that serves them on loopback ports."""
