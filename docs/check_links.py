"""Link check of a built mkdocs site: every internal href/src in every HTML
page must name an existing file, and every #fragment an id in that page.
External (http, https, mailto) links are listed, not fetched: CI is offline.

    python docs/check_links.py site/"""
import html.parser
import pathlib
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") in ("canonical",)):
                self.links.append(a[key])


def parse(path, cache={}):
    if path not in cache:
        p = Page()
        p.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = p
    return cache[path]


def target_file(site, page, url):
    path = urllib.parse.unquote(url.path)
    base = site if path.startswith("/") else page.parent
    t = (base / path.lstrip("/")).resolve() if path else page
    if t.is_dir():
        t = t / "index.html"
    return t


def main(site):
    site = pathlib.Path(site).resolve()
    pages = sorted(site.rglob("*.html"))
    broken, external, checked = [], set(), 0
    for page in pages:
        for link in parse(page).links:
            url = urllib.parse.urlsplit(link)
            if url.scheme in ("http", "https", "mailto", "data") or link.startswith("//"):
                external.add(link)
                continue
            checked += 1
            t = target_file(site, page, url)
            if site not in t.parents and t != site:
                broken.append((page, link, "outside the site"))
            elif not t.exists():
                broken.append((page, link, "no such file"))
            elif url.fragment and t.suffix == ".html" and url.fragment not in parse(t).ids:
                broken.append((page, link, f"no id {url.fragment!r}"))
    for page, link, why in broken:
        print(f"BROKEN {page.relative_to(site)}: {link} ({why})")
    print(f"{len(pages)} pages, {checked} internal links checked, {len(broken)} broken, "
          f"{len(external)} external links not fetched")
    return 1 if broken or not pages else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "site"))
