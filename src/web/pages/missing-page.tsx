// What an address that names nothing shows: that it names nothing, and where one can go.
export function MissingPage({ what, links }: { what: string; links: [string, string][] }) {
  return (
    <section aria-labelledby="missing-title" class="stack">
      <h1 id="missing-title">No such {what}</h1>
      <p>This address names nothing here. Go to:</p>
      <ul>
        {links.map(([href, label]) => (
          <li key={href}>
            <a href={href}>{label}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
