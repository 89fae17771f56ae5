package io.tern.engine;

/**
 * Every tunable of the engine, with its default. One instance is filled from the daemon's YAML
 * config and the selected {@code perf/} profile, then handed to {@link Engine}; it is not read
 * after construction. Profile key names are given per field.
 */
public final class EngineConfig
{
    /** {@code app_name}: the daemon console prefix {@code [<app_name> Daemon]:}. */
    public String appName = "Tern";
    /** {@code jwt.require_scope}: when false a token without {@code scope} is accepted. */
    public boolean requireScope = false;
    /** {@code websocket.max_connections_per_server}: upgrades are refused with 400 at this many open sockets. */
    public int maxConnectionsPerServer = 30;
    /** {@code websocket.auth_timeout} (ms): unauthenticated sockets are closed with 1008 after this. */
    public long authTimeoutMillis = 30_000;
    /** {@code websocket.reauth_grace} (ms): after {@code exp}, a socket without a fresh {@code auth} is closed with 4401. */
    public long reauthGraceMillis = 60_000;
    /** {@code websocket.ping_interval} (ms): the server pings every connection this often. */
    public long pingIntervalMillis = 30_000;
    /** {@code websocket.pong_timeout} (ms): a peer that has answered no ping for this long is closed. */
    public long pongTimeoutMillis = 60_000;
    /** {@code engine.ring_size}: inbound Disruptor ring slots, a power of two. */
    public int ringSize = 4096;
    /** {@code engine.wait_strategy}: {@code blocking}, {@code sleeping}, {@code yielding} or {@code busy-spin}. */
    public String waitStrategy = "blocking";
    /** {@code engine.fanout_idle}: fan-out agent idle strategy, {@code backoff}, {@code sleeping}, {@code yielding} or {@code busy-spin}. */
    public String fanoutIdle = "backoff";
    /**
     * {@code engine.fanout_threads}: fan-out agents, each with its own thread and a share of the
     * servers; they also write to the sockets, so more than one uses more cores. 0 means one per
     * core, at most 4.
     */
    public int fanoutThreads = 0;
    /** {@code engine.tick_interval} (ms): how often the handler checks session timers. */
    public long tickIntervalMillis = 100;
    /** {@code engine.broadcast_capacity}: bytes of each server's broadcast buffer, a power of two. */
    public int broadcastCapacity = 256 * 1024;
    /** {@code session.outbound_budget}: bytes queued for one slow session before its console lines are dropped. */
    public int outboundBudgetBytes = 256 * 1024;
    /** {@code session.outbound_queue}: frames queued for one session at most, a power of two. */
    public int outboundQueueFrames = 4096;
    /** {@code session.write_timeout} (ms): a session that cannot drain for this long is closed with 1013. */
    public long writeTimeoutMillis = 30_000;
}
