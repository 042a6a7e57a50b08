"""careerflow's composition root: settings, storage wiring, the CLI and the embedded stack."""
