"""What a bureau gets back in its outbox folder: the error list, the annotated copy of its own workbook, the
receipt, and the templates it fills next quarter."""
