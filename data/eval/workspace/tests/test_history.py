from punie.agent.history import summarize_history


def test_summarize_history_counts_roles_in_first_seen_order():
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": ""},
        {"role": "tool", "content": "ok"},
        {"role": "user", "content": "thanks"},
    ]
    assert summarize_history(messages) == "user=2 assistant=1 tool=1"


def test_summarize_history_skips_messages_without_a_role():
    assert summarize_history([{"content": "x"}, {"role": ""}, {"role": "user"}]) == "user=1"


def test_summarize_history_of_nothing_is_empty():
    assert summarize_history([]) == ""
