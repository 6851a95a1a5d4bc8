"""Direct answers for the rubric tests: for every direct query, correct answers in other words
(they must pass) and wrong answers full of the right keywords (they must fail)."""

from __future__ import annotations

HONEST: dict[str, list[str]] = {
    "single-protocol": [
        "PEP 544 introduced typing.Protocol: you list the methods and attributes a type needs, "
        "and any class that has them is accepted by the type checker without inheriting from the "
        "protocol (implicit subtyping).",
        "It's static duck typing. A Protocol defines an interface, and an object matches it if it "
        "has the right methods, whatever its class hierarchy.",
        "A typing.Protocol specifies a set of members. A class satisfies it simply by having those "
        "members; no explicit subclassing or registration is needed.",
        "Think of it as a structural interface: a checker like ty or mypy accepts any object whose "
        "methods match the protocol's signatures.",
    ],
    "single-ruff-vs-pylint": [
        "Ruff is implemented in Rust and runs 10-100x quicker than pylint, which is pure Python "
        "but performs deeper inference-based checks.",
        "pylint is a thorough but slow linter written in Python; ruff is a newer linter that "
        "re-implements flake8-style rules and runs much faster.",
        "Ruff gives near-instant feedback even on big codebases, while pylint takes much longer "
        "but does deeper semantic analysis with type inference.",
        "Compared with pylint, ruff is far faster; pylint, on the other hand, infers types across "
        "modules and so catches some bugs ruff cannot.",
    ],
    "domain-dependency-injection": [
        "The caller hands an object the collaborators it needs (as constructor arguments, for "
        "example) rather than the object building them itself.",
        "DI: components declare what they need and something else, a container or the caller, "
        "supplies those services. It's inversion of control for object creation.",
        "Instead of constructing its database connection itself, a class takes it as a "
        "parameter; that is dependency injection, and it makes swapping in a fake for tests easy.",
        "An object's dependencies are given to it from the outside, so it never news them up; "
        "with svcs-di a Container looks them up in a Registry.",
    ],
    "domain-tdom-rendering": [
        'You write markup as a Python 3.14 template literal (t"..."); tdom\'s html() parses it '
        "into Element/Text/Fragment objects, and calling str() on the root walks the tree and "
        "produces HTML.",
        "PEP 750 template strings keep the static parts and the interpolations apart, so tdom "
        "builds a tree of nodes from them, escaping values; converting the root node to a string "
        "renders the markup recursively.",
        "In this workspace components call h(tag, attrs, *children) to build a tree of nodes; "
        "render(node), the same as str(node), produces the HTML. Real tdom does the same from a "
        "t-string.",
    ],
    "domain-tdom-svcs": [
        "tdom-svcs is the glue between the two: tdom components annotate parameters with "
        "Inject[SomeService], and when rendering, tdom-svcs pulls those services out of a "
        "svcs-di Container and passes them in.",
        "tdom renders HTML components; tdom-svcs adds dependency injection on top, so a component "
        "can ask for services registered with svcs-di instead of building them.",
        "Think of tdom-svcs as an integration layer: it lets tdom's component functions receive "
        "services from svcs-di's container automatically, by injecting them into parameters "
        "marked Inject[...].",
    ],
}

WRONG: dict[str, list[str]] = {
    "single-protocol": [
        "A Protocol is a network communication standard like HTTP; Python's structural module "
        "defines methods for TCP.",
        "A Protocol is nominal typing: every class that implements it must inherit from it "
        "explicitly, listing its methods and attributes; it is not duck typing.",
        "Protocol is a base class: classes must subclass it to implement the interface's "
        "methods, so it is not structural.",
    ],
    "single-ruff-vs-pylint": [
        "pylint is written in Rust and is fast; ruff is a slow pure-Python tool.",
        "ruff and pylint are identical: both are fast Rust linters with the same speed.",
        "Pylint is the faster one, because it is written in Rust; ruff is slow because it is "
        "written in Python.",
        "Ruff is not fast and is not written in Rust; pylint is quicker and does deeper checks.",
    ],
    "domain-dependency-injection": [
        "Dependency injection is when a class creates its own dependencies internally, so they "
        "are never passed in from outside.",
        "Dependency injection is a security attack where malicious code is injected into your "
        "dependencies, like SQL injection.",
        "It means importing dependencies directly as module-level globals and instantiating them "
        "inside the class instead of receiving them as parameters.",
    ],
    "domain-tdom-rendering": [
        "tdom does not use t-strings, node trees or HTML.",  # the issue's own example
        "tdom does not use t-strings, node trees or HTML; it renders with Jinja templates in the "
        "browser.",
        "tdom sends the t-string to JavaScript in the browser, which builds a node tree and "
        "renders the HTML string client-side.",
        "tdom pastes the t-string values straight into the HTML string with f-string "
        "concatenation, without escaping; there is no node tree.",
    ],
    "domain-tdom-svcs": [
        "tdom-svcs is a fork of tdom that replaces components with svcs microservices; there is "
        "no injection.",
        "They are unrelated: tdom-svcs is a systemd services manager, and tdom is an HTML "
        "component library with injection.",
        "tdom depends on tdom-svcs to render components; svcs-di is not involved and no service "
        "is injected.",
    ],
}
