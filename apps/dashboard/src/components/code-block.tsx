/**
 * Something a student wrote (code, an error message), shown as text: preact puts `text` in a
 * text node, so markup in it is displayed, never parsed. Nothing in the dashboard uses
 * dangerouslySetInnerHTML.
 */
export function CodeBlock({ label, text, tone }: { label: string; text: string; tone?: 'error' | 'source' }) {
  return (
    <figure class={`code-block${tone ? ` code-${tone}` : ''}`}>
      <figcaption>{label}</figcaption>
      <pre>
        <code>{text}</code>
      </pre>
    </figure>
  );
}
