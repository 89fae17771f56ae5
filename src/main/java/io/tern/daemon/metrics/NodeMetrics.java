package io.tern.daemon.metrics;

import io.tern.engine.Engine;
import io.tern.engine.EngineCounters;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerHandle;
import io.tern.engine.server.ServerState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What {@code GET /metrics} exposes: the engine's sessions, frames in and out by event, rate-limit
 * refusals, console lines dropped for slow clients, lapped broadcast receivers, inbound ring
 * occupancy and overflows, and each server's state and suspension.
 *
 * <p>The hot paths only ever write their single-writer counters ({@link EngineCounters}); a scrape
 * reads them from the calling thread (an HTTP worker) with volatile loads and builds the text, the
 * only allocation being the scrape's own. Values of one scrape are each current but not taken at
 * one instant.
 */
public final class NodeMetrics
{
    /** The {@code Content-Type} of {@link #scrape()}'s text (Prometheus text format 0.0.4). */
    public static final String CONTENT_TYPE = PrometheusWriter.CONTENT_TYPE;

    private static final ServerState[] STATES = ServerState.values();

    private final Engine engine;

    /**
     * @param engine the engine whose counters and servers are exposed.
     */
    public NodeMetrics(final Engine engine)
    {
        this.engine = engine;
    }

    /**
     * @return the exposition text, servers in uuid order.
     */
    public String scrape()
    {
        final EngineCounters counters = engine.counters();
        final PrometheusWriter out = new PrometheusWriter();
        out.family("tern_sessions_open", "gauge", "Websocket sessions open now.")
            .sample("tern_sessions_open", counters.handlerGauges.get(0));
        out.family("tern_sessions_authenticated", "gauge", "Websocket sessions open now that have a valid token.")
            .sample("tern_sessions_authenticated", counters.handlerGauges.get(1));
        byEvent(out, "tern_frames_in_total", "Websocket messages received, by event (invalid = not a JSON event).",
            EngineCounters.INBOUND_EVENTS, counters.framesIn);
        byEvent(out, "tern_frames_out_total", "Websocket frames queued to sessions, by event.",
            EngineCounters.OUTBOUND_EVENTS, counters.framesOutTotals());
        out.family("tern_rate_limited_total", "counter", "Inbound messages refused by a rate limiter.")
            .sample("tern_rate_limited_total", "limiter", "global", counters.rateLimited.get(0))
            .sample("tern_rate_limited_total", "limiter", "event", counters.rateLimited.get(1));
        out.family("tern_dropped_lines_total", "counter", "Console lines dropped for sessions that could not keep up.")
            .sample("tern_dropped_lines_total", counters.droppedLines.get());
        out.family("tern_broadcast_laps_total", "counter", "Times a session's broadcast reader was lapped and lost records.")
            .sample("tern_broadcast_laps_total", engine.broadcastLaps());
        out.family("tern_inbound_ring_used", "gauge", "Inbound ring slots in use.")
            .sample("tern_inbound_ring_used", engine.ringOccupancy());
        out.family("tern_inbound_ring_capacity", "gauge", "Inbound ring slots in all.")
            .sample("tern_inbound_ring_capacity", engine.ringCapacity());
        out.family("tern_inbound_overflows_total", "counter", "Connections closed with 1013 because the inbound ring was full.")
            .sample("tern_inbound_overflows_total", engine.inboundOverflows());

        final List<ServerHandle> servers = new ArrayList<>(engine.servers());
        servers.sort(Comparator.comparing(ServerHandle::uuid));
        out.family("tern_server_state", "gauge", "1 for the state each server is in, 0 for the others.");
        for (final ServerHandle server : servers)
        {
            final ServerState state = server.control().state();
            for (final ServerState candidate : STATES)
            {
                out.sample("tern_server_state", "server", server.uuid(), "state", candidate.wireName(), state == candidate ? 1 : 0);
            }
        }
        out.family("tern_server_suspended", "gauge", "1 when the server is suspended.");
        for (final ServerHandle server : servers)
        {
            final ServerControl control = server.control();
            out.sample("tern_server_suspended", "server", server.uuid(), control.isSuspended() ? 1 : 0);
        }
        return out.toString();
    }

    private static void byEvent(
        final PrometheusWriter out, final String name, final String help, final String[] events, final AtomicLongArray values)
    {
        out.family(name, "counter", help);
        for (int i = 0; i < events.length; i++)
        {
            out.sample(name, "event", events[i], values.get(i));
        }
    }
}
