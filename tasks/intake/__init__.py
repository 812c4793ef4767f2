"""Intake: what happens to a workbook a bureau drops in the inbox, one step per module.

    discover.py         find the files in the inbox: bureau (folder), period (name), bytes    @task
    load.py             skip_duplicates: the same bytes again are not read                     @task
    check_workbooks.py  read → normalise → validate each chunk in isolated children           @task
      isolate.py          children with memory and time limits (no Prefect: forkserver preload)
      check_batch.py      what a child runs: read.py → normalise.py → validate.py for a batch
    load.py             load_submissions: the batch in one transaction, else file by file (warehouse/submissions.py)   @task
    file_away.py        outbox feedback, then the move out of the inbox                        @task
      feedback_pool.py    a large batch's outbox workbooks built in child processes meanwhile
    summarise.py        what the run did                                                       @task

submission.py holds the state of one file through these steps. Publishing the analyst copy is shared with the
rollups (tasks/storage.py).
"""
