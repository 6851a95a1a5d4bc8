"""tdom-svcs: render tdom components whose parameters are svcs-di services.

A component declares what it needs with `Inject[ServiceType]`-style annotations; `render_component`
looks each one up in the request's svcs-di Container and calls the component with the services.
"""

from tdom_svcs.inject import Inject, render_component

__all__ = ["Inject", "render_component"]
