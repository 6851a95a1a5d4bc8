"""Conversation history helpers."""


def summarize_history(messages: list[dict[str, str]]) -> str:
    """Count the messages per role, e.g. 'user=2 assistant=1 tool=1'."""
    counts: dict[str, int] = {}
    for message in messages:
        if "role" in message:
            role = message["role"]
            if role != "":
                if role in counts:
                    counts[role] = counts[role] + 1
                else:
                    counts[role] = 1
            else:
                pass
        else:
            pass
    parts = []
    for role in counts:
        parts.append(role + "=" + str(counts[role]))
    result = ""
    for i in range(len(parts)):
        if i > 0:
            result = result + " "
        result = result + parts[i]
    return result
