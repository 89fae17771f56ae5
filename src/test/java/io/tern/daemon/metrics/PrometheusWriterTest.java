package io.tern.daemon.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PrometheusWriterTest
{
    @Test
    void writesFamiliesAndSamplesInTextFormat004() throws Exception
    {
        final String text = new PrometheusWriter()
            .family("tern_things_total", "counter", "Things seen.")
            .sample("tern_things_total", 3)
            .sample("tern_things_total", "kind", "a", 1)
            .sample("tern_things_total", "server", "x", "state", "running", 0)
            .toString();

        assertEquals("# HELP tern_things_total Things seen.\n"
            + "# TYPE tern_things_total counter\n"
            + "tern_things_total 3\n"
            + "tern_things_total{kind=\"a\"} 1\n"
            + "tern_things_total{server=\"x\",state=\"running\"} 0\n", text);
    }

    @Test
    void escapesLabelValuesAndHelpText() throws Exception
    {
        final String text = new PrometheusWriter()
            .family("m", "gauge", "a \\ b\nc")
            .sample("m", "event", "say \"hi\" \\ now\n", 1)
            .toString();

        assertEquals("# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{event=\"say \\\"hi\\\" \\\\ now\\n\"} 1\n", text);
    }
}
