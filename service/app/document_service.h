// DocumentService: validation and rendering of one sheet, shared by the
// render route and the job pipeline. Holds the templates, the fonts and the
// renderers, all loaded once at start; render() is safe from many threads and
// passes through a TurnPool, so only a bounded number render at once.
#pragma once

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "form/form_data.h"
#include "form/template_registry.h"
#include "app/turn_pool.h"
#include "layout/layout_builder.h"
#include "render/font_metrics.h"
#include "render/pdf_renderer.h"
#include "render/xlsx_renderer.h"

namespace app {

struct RenderedDocument {
    std::string bytes;
    int pageCount = 0;
    std::vector<std::string> warnings;  // e.g. "glyph_substituted: pt_name U+1F600"
};

enum class Format { Pdf, Xlsx };

// How much rendering runs at once (see TurnPool).
struct RenderLimits {
    int workers = 0;  // Settings::renderWorkers: 0 = one per core
    int queue = 64;   // Settings::renderQueue: callers waiting beyond the workers
};

class DocumentService {
public:
    DocumentService(std::shared_ptr<const form::TemplateRegistry> templates,
                    std::shared_ptr<const render::FontMetrics> fonts, render::XlsxOptions xlsx,
                    RenderLimits limits = RenderLimits());

    const form::TemplateRegistry& templates() const { return *templates_; }

    // Validates fields for the sheet. NotFound for an unknown sheet id,
    // InvalidArgument with every field error otherwise.
    common::Result<form::FormData> validate(const std::string& sheetId, const Poco::JSON::Object::Ptr& fields,
                                            const std::string& pathPrefix = "fields") const;

    // Renders validated data. documentId and createdIso come from the job so
    // the same job always gives the same bytes. Waits for a render turn;
    // returns Unavailable without rendering when the render queue is full.
    common::Result<RenderedDocument> render(const form::SheetTemplate& sheet, const form::FormData& data,
                                            Format format, const std::string& documentId,
                                            const std::string& createdIso) const;

    // The blank workbook of a sheet (GET /sheets/{id}/workbook): the master an
    // office keeps, with every page, those printed only when a field has a
    // value included, so that it has every entry cell. Fixed id and date, so
    // the bytes depend on the template only. Waits for a render turn.
    common::Result<RenderedDocument> renderBlankWorkbook(const form::SheetTemplate& sheet) const;

    // Lays out one sheet (no rendering yet), e.g. to combine several sheets.
    layout::Document layout(const form::SheetTemplate& sheet, const form::FormData& data,
                            const layout::BuildOptions& options) const;
    // Renders laid-out documents one after another into one file: the first
    // document gives the title, id and date. Warnings of all are returned.
    // Waits for a render turn like render() above (unless this thread holds
    // one); Unavailable when the render queue is full. A caller that lays out
    // and then renders should hold reserveRender() around both.
    common::Result<RenderedDocument> render(const std::vector<layout::Document>& docs, Format format) const;

    // Takes a render turn for the calling thread ahead of render(), for a
    // caller that must know it will not be refused before it changes anything
    // (a job is stored only when its render can run). render() on the same
    // thread then runs inside this turn. Unavailable when the queue is full.
    // The slot must be released on this thread.
    common::Result<TurnPool::Slot> reserveRender() const { return pool_.acquire(); }

    // For the readiness check and the metrics.
    const render::FontMetrics& fonts() const { return *fonts_; }
    const TurnPool& renderPool() const { return pool_; }

private:
    std::shared_ptr<const form::TemplateRegistry> templates_;
    std::shared_ptr<const render::FontMetrics> fonts_;
    render::PdfRenderer pdf_;
    render::XlsxOptions xlsx_;
    mutable TurnPool pool_;
};

}  // namespace app
