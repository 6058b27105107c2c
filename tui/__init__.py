"""What the terminal user touches: the command line and the Textual app. Renders
advisor events and tool results; holds no domain logic."""
