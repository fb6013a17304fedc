"""CMEK v2 on Google Cloud: the gcloud commands that grant ClickHouse a Cloud KMS key, and the
verdict on a key from the documents gcloud prints. Pure logic; the commands do the I/O."""
