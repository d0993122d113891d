"""gdsim: a desktop gradient-descent simulator for teaching why a step size converges,
oscillates or diverges."""

__version__ = "0.1.0"
