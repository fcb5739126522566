use domain::Vendor;
use leptos::prelude::*;

use crate::{
    api::keys::AddKey,
    components::form_feedback::{FieldMessage, FormAlert, echoed},
    errors::form_error,
};

/// The "Add key" form. Refused values come back with a message beside each field;
/// what was typed stays (the secret excepted).
#[component]
pub fn AddKeyForm(action: ServerAction<AddKey>) -> impl IntoView {
    let error = form_error(action);
    let vendor = echoed(error, "vendor");

    view! {
        <ActionForm action attr:class="stacked-form" attr:id="add-key-form">
            <h2>"Add key"</h2>
            <FormAlert error/>
            <label for="key-vendor">"Vendor"</label>
            <select id="key-vendor" name="vendor">
                {Vendor::ALL
                    .into_iter()
                    .map(|v| {
                        let selected = {
                            let vendor = vendor.clone();
                            move || vendor() == v.slug()
                        };
                        view! {
                            <option value=v.slug() selected=selected>{v.display_name()}</option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage error field="vendor"/>

            <label for="key-label">"Label"</label>
            <input id="key-label" name="label" type="text" required value=echoed(error, "label")/>
            <FieldMessage error field="label"/>

            <label for="key-secret">"Secret (API key)"</label>
            <input id="key-secret" name="secret" type="password" autocomplete="off"/>
            <p class="hint">"Stored encrypted; shown afterwards only as its last four characters. Leave empty for the on-premise SDK."</p>
            <FieldMessage error field="secret"/>

            <label for="key-base-url">"Base URL (optional)"</label>
            <input id="key-base-url" name="base_url" type="text" placeholder="vendor default" value=echoed(error, "base_url")/>
            <FieldMessage error field="base_url"/>

            <label for="key-limit">"Monthly limit"</label>
            <input id="key-limit" name="monthly_limit" type="text" inputmode="numeric" value=echoed(error, "monthly_limit")/>
            <p class="hint">"Needed for OCR.space, whose usage reply does not include the limit."</p>
            <FieldMessage error field="monthly_limit"/>

            <label for="key-owner">"Owner tag (optional)"</label>
            <input id="key-owner" name="owner_tag" type="text" value=echoed(error, "owner_tag")/>
            <FieldMessage error field="owner_tag"/>

            <button type="submit">"Add key"</button>
        </ActionForm>
    }
}
