"""cmek: generate, check and publish the stacks giving ClickHouse Cloud a customer-managed key."""

__version__ = "0.1.0"
