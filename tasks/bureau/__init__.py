"""What a bureau gets back in its outbox folder: the error list, the annotated copy of its own workbook, the
receipt (outbox.py writes whichever a dropped file earns), and the templates it fills next quarter. All are laid
out by tasks/xlsx_layout.py; what they read comes from warehouse/outbox_data.py and warehouse/prefill.py."""
