"""cmek: generate, check and publish the AWS stacks that give ClickHouse Cloud a customer-managed key."""

__version__ = "0.1.0"
