-- grain: one reference table ({table}: one of the ref_* tables) emptied before it is filled again from refdata/.
DELETE FROM {table};
