"""`clickstream demo`: filled in below once the workflow runs end to end."""
import click


@click.command()
def demo():
    """Simulate a day of traffic, run the workflow locally, print the marts."""
