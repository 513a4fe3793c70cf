// cluster layer: MPI transport, Scheduler, Worker, ClusterExecutor.
