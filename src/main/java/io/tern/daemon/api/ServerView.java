package io.tern.daemon.api;

import io.tern.daemon.json.JsonWriter;

import io.tern.daemon.config.ConfigWriter;
import io.tern.daemon.server.ManagedServer;
import io.tern.engine.server.ResourceUsage;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server as {@code GET /api/servers/{uuid}} shows it, in Wings' shape:
 * {@code {"state","is_suspended","utilization","configuration"}}. {@code utilization} is the
 * {@code stats} object of the websocket in the same struct order (PROTOCOL.md §2.5, Part I.3
 * item 8); {@code configuration} has the fields of a {@code servers:} entry, so it can be sent back
 * unchanged to {@code POST /api/servers/{uuid}/sync}. Worker thread; allocates.
 */
final class ServerView
{
    private ServerView()
    {
    }

    /**
     * @param server the server.
     * @return the view, as plain maps for {@link JsonWriter}.
     */
    static Map<String, Object> of(final ManagedServer server)
    {
        final ResourceUsage usage = new ResourceUsage();
        server.readUsage(usage);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[ResourceUsage.MAX_JSON_LENGTH]);
        final int length = usage.writeJson(buffer, 0);
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("state", usage.state.wireName());
        view.put("is_suspended", server.isSuspended());
        view.put("utilization", new JsonWriter.Raw(new String(buffer.byteArray(), 0, length, StandardCharsets.US_ASCII)));
        view.put("configuration", ConfigWriter.entry(server.definition()));
        return view;
    }
}
