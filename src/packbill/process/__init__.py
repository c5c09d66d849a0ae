"""Process-level machinery that knows no use case: the counters and histograms this process
keeps (``instruments``), its logs, the collector pause for bulk work, and the background loop.
It imports nothing of packbill; the services, the edges and the composition root use it."""
