"""srdi's mail (off by default; [mail] of the home's rules file): compose.py builds each message into the home's spool
(warehouse/mail_spool.py), send.py sends the spool over SMTP, overdue.py decides when the overdue list is due."""
