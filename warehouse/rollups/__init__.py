"""SQL of the rollups (季调度, 半年例会, 年度总结): one statement per file, named verb_object, first line its grain."""
