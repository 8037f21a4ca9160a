package cellrt

import (
	"github.com/gopar/gopar/internal/notebook"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// gonbNotebook reaches the notebook through GoNB's display pipe, which the
// kernel serves to every cell it runs.
type gonbNotebook struct{}

func (gonbNotebook) UpdateHTML(id, html string) { gonbui.UpdateHTML(id, html) }
func (gonbNotebook) UniqueID() string           { return gonbui.UniqueId() }

func (gonbNotebook) Display(data map[string]string) {
	bundle := make(map[protocol.MIMEType]any, len(data))
	for mime, content := range data {
		bundle[protocol.MIMEType(mime)] = content
	}
	send(&protocol.DisplayData{Data: bundle})
}

var _ notebook.Displayer = gonbNotebook{}

// Libraries find the notebook here rather than importing gonbui, which
// would bring GoNB's dependencies into every program that uses them. A
// cell's code run outside the kernel has no pipe, and no notebook.
func init() {
	if gonbui.IsNotebook {
		notebook.Attach(gonbNotebook{})
	}
}
