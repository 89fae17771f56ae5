package io.tern.daemon.metrics;

/**
 * Writes the Prometheus text exposition format 0.0.4: one {@code # HELP} and {@code # TYPE} line per
 * family, then its samples, label values escaped ({@code \}, {@code "} and newline). One writer per
 * scrape, on the scraping thread; allocates.
 */
final class PrometheusWriter
{
    /** The {@code Content-Type} of the format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    /**
     * Starts a family.
     *
     * @param name the metric name, e.g. {@code tern_sessions_open}.
     * @param type {@code counter} or {@code gauge}.
     * @param help one line saying what it counts.
     * @return this.
     */
    PrometheusWriter family(final String name, final String type, final String help)
    {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++)
        {
            final char c = help.charAt(i);
            if (c == '\\')
            {
                out.append("\\\\");
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * @param name  the metric name.
     * @param value the value.
     * @return this.
     */
    PrometheusWriter sample(final String name, final long value)
    {
        out.append(name).append(' ').append(value).append('\n');
        return this;
    }

    /**
     * @param name  the metric name.
     * @param label the label's name.
     * @param text  the label's value, escaped here.
     * @param value the value.
     * @return this.
     */
    PrometheusWriter sample(final String name, final String label, final String text, final long value)
    {
        out.append(name).append('{');
        label(label, text);
        out.append("} ").append(value).append('\n');
        return this;
    }

    /**
     * @param name   the metric name.
     * @param label1 the first label's name.
     * @param text1  the first label's value.
     * @param label2 the second label's name.
     * @param text2  the second label's value.
     * @param value  the value.
     * @return this.
     */
    PrometheusWriter sample(
        final String name, final String label1, final String text1, final String label2, final String text2, final long value)
    {
        out.append(name).append('{');
        label(label1, text1);
        out.append(',');
        label(label2, text2);
        out.append("} ").append(value).append('\n');
        return this;
    }

    private void label(final String name, final String text)
    {
        out.append(name).append("=\"");
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '\\' || c == '"')
            {
                out.append('\\').append(c);
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
        out.append('"');
    }

    /**
     * @return everything written.
     */
    @Override
    public String toString()
    {
        return out.toString();
    }
}
