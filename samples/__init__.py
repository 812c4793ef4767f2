"""Sample data, outside the product: the demo share built from the policy (`srdi demo`), workbook factories that
write files the ways clerks make them (tests and bench), and the demo flow. Nothing in flows/, tasks/, schemas/,
warehouse/ or dashboards/ imports this package."""
