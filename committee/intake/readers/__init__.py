"""Format readers: the bytes of a packet file -> text (plus what intake needs to know).

Each reader takes `(data, path)` and returns an `Extracted`; `committee.intake.packets`
registers them by suffix in `READERS` and turns the result into a `Packet`. Every
failure, however malformed the file, is a `BadInput` with a one-line message.

The modules: `common` (`Extracted`, `sniff`, what every reader shares), `encoding`
(the bytes of a text file to text), one reader a format (`markdown`, `text`, `pdf`,
`docx`, `json`), `layout` (the line structure of PDF and DOCX as Markdown) and
`pdf_hidden` (the text a reader of a rendered PDF page cannot see).
"""
