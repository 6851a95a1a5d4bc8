"""What each planted problem is, in words, for requests and answers."""

FIX_WHAT = {
    "unused_import": "removed the unused import",
    "long_line": "shortened the over-long line",
    "undefined_name": "corrected the misspelt name",
    "wrong_return": "made the function return its annotated type again",
    "bad_argument": "passed the argument with the type the function expects",
    "legacy_typing": "replaced the deprecated `typing` alias with the builtin generic and dropped its import",
    "logic_bug": "fixed the bug in the code under test",
    "broken_test_import": "removed the import of a name the module does not define",
    "untyped": "restored the parameter and return annotations",
}

HINT = {
    "unused_import": "I think there is an import nobody uses",
    "long_line": "a line got too long in a recent edit",
    "undefined_name": "something is misspelt and will crash at run time",
    "wrong_return": "a function seems to return the wrong type",
    "bad_argument": "a call passes the wrong type of argument",
    "legacy_typing": "it still uses old `typing` aliases",
    "logic_bug": "a recent change broke the behaviour",
    "broken_test_import": "the test file stopped importing",
}
